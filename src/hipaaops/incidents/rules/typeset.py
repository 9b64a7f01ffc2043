"""Laying out letters with typst, with no Django import: the function a worker process runs when
letters are made in parallel (started with "spawn", it imports only this)."""

from __future__ import annotations


def compile_letters(template: bytes, data: str, timestamp: int) -> bytes:
    import typst

    pdf = typst.compile(
        template,
        format="pdf",
        sys_inputs={"data": data},
        ignore_system_fonts=True,
        timestamp=timestamp,
    )
    assert isinstance(pdf, bytes)
    return pdf
