"""Knowledge base: help-centre articles (Markdown files in ``articles/``) and keyword search over them."""
