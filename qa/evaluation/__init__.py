"""Test set -> metrics report: retrieval, answers, citations, abstention and latency, plus threshold calibration.

testset      JSONL test sets read, checked and sampled
matching     answer text against gold answers (SQuAD/DrQA normalisation, containment, EM, F1)
scoring      one answered question -> QuestionResult
metrics      a run's figures at one threshold (Metrics, METRICS)
run          evaluate / compare -> EvalReport
gates        floors and ceilings on the figures
calibration  the abstention threshold chosen from one run
report       the markdown report
"""
from .metrics import Metrics
from .run import EvalReport, compare, evaluate

__all__ = ["evaluate", "compare", "EvalReport", "Metrics"]
