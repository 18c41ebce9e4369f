"""tools/mixed_corpora.py: the mixed-language sets of docs/evaluation.md, made from a dev-data folder."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def dev_set(root: Path, name: str, files: dict[str, str], questions: list[dict]) -> None:
    (root / name / "corpus").mkdir(parents=True)
    for f, text in files.items():
        (root / name / "corpus" / f).write_text(text, encoding="utf-8")
    (root / name / "questions.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in questions), encoding="utf-8")


def test_mixed_corpora_join_the_articles_and_give_third_language_questions_the_gold_of_the_same_id(tmp_path):
    data = tmp_path / "data"
    dev_set(data, "xquad-zh-dev", {"tesla.txt": "特斯拉住在纽约。", "edison.txt": "爱迪生住在新泽西。"}, [])
    cross = [{"id": "q1", "question": "Where did Tesla live?", "answers": ["纽约"], "sources": ["tesla.txt"]},
             {"id": "q2", "question": "Where did Edison live?", "answers": ["新泽西"], "sources": ["edison.txt"]}]
    (data / "xquad-zh-dev" / "cross-en.jsonl").write_text("".join(json.dumps(q, ensure_ascii=False) + "\n" for q in cross), encoding="utf-8")
    dev_set(data, "xquad-en-dev", {"tesla.txt": "Tesla lived in New York."},
            [{"id": "q1", "question": "Where did Tesla live?", "answers": ["New York"], "sources": ["tesla.txt"]}])
    dev_set(data, "xquad-de-dev", {"tesla.txt": "Tesla lebte in New York."},
            [{"id": "q1", "question": "Wo lebte Tesla?", "answers": ["New York (de)"], "sources": ["tesla.txt"]},
             {"id": "q9", "question": "Eine Frage ohne englisches Gegenstück?", "answers": ["x"], "sources": ["tesla.txt"]}])
    dev_set(data, "piaf-fr-dev", {"lyon.txt": "Lyon est une ville.", "tesla.txt": "Un autre Tesla."}, [])
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "report.txt").write_text("The conference gathered 47 delegations.", encoding="utf-8")
    out = tmp_path / "mixed"
    run = subprocess.run([sys.executable, str(ROOT / "tools" / "mixed_corpora.py"), str(data), str(out), "--seeds", str(seeds)],
                         capture_output=True, text=True, check=True)
    assert "qa eval" in run.stdout
    assert sorted(p.name for p in (out / "zh-fr" / "corpus").iterdir()) == ["edison.txt", "lyon.txt", "tesla.txt"]
    # every other Chinese article by name (the first: edison.txt), its question answerable, the other's not
    assert sorted(p.name for p in (out / "zh-half-fr" / "corpus").iterdir()) == ["edison.txt", "lyon.txt", "tesla.txt"]
    assert (out / "zh-half-fr" / "corpus" / "tesla.txt").read_text(encoding="utf-8") == "Un autre Tesla."
    assert [json.loads(x)["id"] for x in (out / "zh-half-fr" / "answerable.jsonl").read_text(encoding="utf-8").splitlines()] == ["q2"]
    assert [json.loads(x)["id"] for x in (out / "zh-half-fr" / "unanswerable.jsonl").read_text(encoding="utf-8").splitlines()] == ["q1"]
    assert (out / "zh-fr" / "corpus" / "tesla.txt").read_text(encoding="utf-8") == "特斯拉住在纽约。"  # the first set's
    assert sorted(p.name for p in (out / "zh-en" / "corpus").iterdir()) == ["edison.txt", "report.txt", "tesla.txt"]
    assert sorted(p.name for p in (out / "zh-half-en" / "corpus").iterdir()) == ["edison.txt", "report.txt"]
    assert (out / "zh-half-en" / "unanswerable.jsonl").read_text(encoding="utf-8") == (out / "zh-half-fr" / "unanswerable.jsonl").read_text(encoding="utf-8")
    assert not (out / "zh-kept").exists()
    assert (out / "en-fr" / "corpus" / "tesla.txt").read_text(encoding="utf-8") == "Tesla lived in New York."
    rows = [json.loads(line) for line in (out / "en-fr" / "de-questions.jsonl").read_text(encoding="utf-8").splitlines()]
    assert rows == [{"id": "q1", "question": "Wo lebte Tesla?", "answers": ["New York"], "sources": ["tesla.txt"]}]
