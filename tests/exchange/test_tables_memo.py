"""The coding table redacts each distinct text once (``coding_table.RedactionMemo``): the cells
and the redaction counts are exactly those of redacting every cell."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from qualcode.coding_table import RedactionMemo as _Memo
from qualcode.consent import Redactor
from qualcode.exchange.redact import redaction_dict
from qualcode.models import Participant

PEOPLE = [
    Participant(id=1, name="Vibeke Strandholm", consent="anonymous", title="overlæge"),
    Participant(
        id=2,
        name="Anker Nørrelund",
        consent="role_only",
        title="sygeplejerske",
        organisation="Fjordklinikken",
    ),  # fmt: skip
    Participant(id=3, name="Ulla Brinkmose", consent="named"),
]
PIECES = [
    "Vibeke Strandholm sagde det",
    "Nørrelund fra Fjordklinikken",
    "Ulla Brinkmose svarede",
    "ingen navne her",
    "Vibekes idé",
    "Anker og Vibeke",
    "",
]


@settings(max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40))
def test_memo_cells_and_counts_equal_redacting_every_cell(texts: list[str]) -> None:
    plain = Redactor(PEOPLE)
    memo = _Memo(Redactor(PEOPLE))
    assert [memo.redact(t) for t in texts] == [plain.redact(t) for t in texts]
    assert memo.counts() == redaction_dict(plain)
