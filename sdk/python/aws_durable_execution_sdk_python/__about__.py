# The version of AWS's aws-durable-execution-sdk-python whose API this package implements
# (the durabox release is `durabox_durable.__version__`).
__version__ = "3.0.0"
