"""ztoq-luigi: a resumable Luigi pipeline that migrates Zephyr Scale Cloud test data to qTest Manager."""

__version__ = "0.1.0"
