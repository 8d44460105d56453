"""履职评估: unit performance figures from SQL over the task, clock, case and event tables (no second copy)."""
