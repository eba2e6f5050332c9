"""AWS SDK 3.0's `constants`. The durabox host enforces the checkpoint size limit."""

# The largest payload one checkpoint may hold (256 KiB).
CHECKPOINT_SIZE_LIMIT_BYTES = 256 * 1024
