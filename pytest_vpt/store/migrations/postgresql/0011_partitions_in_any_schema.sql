-- The partitions are made in the current schema found by its name, not by parsing it as an
-- identifier (current_schema()::regnamespace folds a mixed-case or quoted name such as "Lab"
-- to lower case and misses it).
CREATE OR REPLACE FUNCTION vpt_create_partitions(first_at DOUBLE PRECISION, last_at DOUBLE PRECISION) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    fact RECORD;
    month TIMESTAMPTZ := date_trunc('month', to_timestamp(first_at) AT TIME ZONE 'UTC') AT TIME ZONE 'UTC';
    next_month TIMESTAMPTZ;
    name TEXT;
    held BOOLEAN;
BEGIN
    FOR fact IN SELECT c.relname AS tbl, pg_get_partkeydef(c.oid) AS keydef
                FROM pg_class c JOIN pg_partitioned_table p ON p.partrelid = c.oid
                WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
    LOOP
        EXECUTE format('CREATE TABLE IF NOT EXISTS %I PARTITION OF %I DEFAULT', fact.tbl || '_default', fact.tbl);
    END LOOP;
    WHILE month <= to_timestamp(last_at) LOOP
        next_month := month + INTERVAL '1 month';
        FOR fact IN SELECT c.relname AS tbl, a.attname AS col
                    FROM pg_class c JOIN pg_partitioned_table p ON p.partrelid = c.oid
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]
                    WHERE c.relnamespace = (SELECT oid FROM pg_namespace WHERE nspname = current_schema())
        LOOP
            name := fact.tbl || '_p' || to_char(month AT TIME ZONE 'UTC', 'YYYYMM');
            IF to_regclass(quote_ident(name)) IS NULL THEN
                EXECUTE format('SELECT EXISTS (SELECT 1 FROM %I WHERE %I >= %s AND %I < %s)',
                               fact.tbl || '_default', fact.col, extract(epoch FROM month),
                               fact.col, extract(epoch FROM next_month)) INTO held;
                IF NOT held THEN
                    EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%s) TO (%s)', name, fact.tbl,
                                   extract(epoch FROM month), extract(epoch FROM next_month));
                END IF;
            END IF;
        END LOOP;
        month := next_month;
    END LOOP;
END
$$;
