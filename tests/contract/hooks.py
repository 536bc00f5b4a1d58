"""Schemathesis hooks for Upline: the terms upload takes a PDF, which Schemathesis cannot make
from a schema, so it sends its own small valid PDF."""

import schemathesis
from schemathesis.core.file_samples import FILE_SAMPLES


@schemathesis.serializer("application/pdf")
def pdf(ctx, value):
    return FILE_SAMPLES["pdf"]
