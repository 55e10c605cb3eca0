"""The e-mail stage: one message per SR, store manager and management, as .eml files or over SMTP.

batch.py    email(): the `kam email` step — drafts for every reader, index.html, optional sending
content.py  what each e-mail says, as plain data for its templates
management.py  the management report: headline, change since the last review, asks, programs, problems
rejected.py  the SR feedback loop: rejected entries listed and put back in the refreshed SR workbook
onepager.py  the management one-pager (PNG, PDF) for forwarding
mime.py     MIME messages: Jinja2 templates (templates/), inlined CSS, charts, attachments, size limit
charts.py   the PNG charts (matplotlib; CJK fonts for Chinese)
smtp.py     delivery with retries and a send log, so a re-run never sends twice

Takes the HQ workbook and its review; hands messages to an SMTP server or a folder.
"""
