"""The data manager: the item table (filters, sort, keyset pages), one item with all its
annotations, and bulk actions over selected items."""
