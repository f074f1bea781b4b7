-- A parametrized test's node id can be longer than a btree entry takes (about 2,700
-- bytes; the wire format allows 16,384 characters): test cases and quarantine entries are
-- keyed by the md5 of their node id instead, and found by it and then the full text.
ALTER TABLE test_cases DROP CONSTRAINT test_cases_project_nodeid_key;
CREATE UNIQUE INDEX test_cases_project_nodeid_md5 ON test_cases (project, md5(nodeid));
ALTER TABLE quarantine DROP CONSTRAINT quarantine_pkey;
CREATE UNIQUE INDEX quarantine_project_nodeid_md5 ON quarantine (project, md5(nodeid));
