"""Typesetting one part of the SRA report with typst, with no Django import: what the worker
process runs for a large report (started with "spawn", it imports only this)."""

from __future__ import annotations


def compile_part(
    template: bytes, data: str, part: str, offset: int, pictures: dict[str, str]
) -> bytes:
    import typst

    pdf = typst.compile(
        template,
        format="pdf",
        sys_inputs={"data": data, "part": part, "offset": str(offset), **pictures},
        ignore_system_fonts=True,
    )
    assert isinstance(pdf, bytes)
    return pdf
