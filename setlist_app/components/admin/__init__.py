"""Admin dashboard building blocks: the sidebar layout, chips, tables, confirmations, charts."""
