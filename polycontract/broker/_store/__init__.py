"""SQL storage: the tables, engines and migrations, and the queries every broker operation builds on."""
