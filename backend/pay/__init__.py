"""Pay (结算): rates, an append-only ledger built from quality outcomes, server-measured
working time, earnings and payouts."""
