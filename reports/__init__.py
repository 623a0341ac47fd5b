"""PDF documents (reportlab, A4): one module per document, shared styles and embedded fonts.

Modules here know reportlab and plain values (names, rows, dates); they do not query the
database. The jobs in `app/documents/jobs.py` gather the data, check who may see it, and call them.
"""
