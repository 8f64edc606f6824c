"""Pages: layout and components only; data comes from states."""
