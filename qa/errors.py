"""Errors of the core: each message names the bad value and says what to do."""


class QAError(Exception):
    """Base class of every error the qa package raises on purpose."""


class CorpusError(QAError):
    """The corpus folder is missing, empty or holds nothing readable."""


class IndexStoreError(QAError):
    """The index on disk is missing, corrupt, locked or built for something else."""


class StoreUnreachableError(IndexStoreError):
    """The server holding the index cannot be reached or failed a request (the index itself may be whole)."""


class ModelError(QAError):
    """The embedding model cannot be loaded or does not fit the index."""


class QuestionError(QAError):
    """The question is empty or unusable."""


class SettingsError(QAError):
    """A setting has a value it cannot take."""


class EvalSetError(QAError):
    """A test set is missing or malformed, or names sources the index does not hold."""
