"""`aws_durable_execution_sdk_python.concurrency`: map / parallel results. The host
schedules the branches, so only the result types live here."""
