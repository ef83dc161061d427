-- The first released schema (version 1), as SQLite DDL. Frozen: never edit.
CREATE TABLE deals (
	id VARCHAR(128) NOT NULL, 
	title VARCHAR NOT NULL, 
	account VARCHAR NOT NULL, 
	amount NUMERIC(20, 2) NOT NULL, 
	currency VARCHAR(3) NOT NULL, 
	owner VARCHAR NOT NULL, 
	playbook_id VARCHAR(64) NOT NULL, 
	playbook_version VARCHAR(64) NOT NULL, 
	stage VARCHAR(64) NOT NULL, 
	status VARCHAR(16) NOT NULL, 
	created_at DATETIME NOT NULL, 
	stage_entered_at DATETIME NOT NULL, 
	version INTEGER NOT NULL, 
	data JSON NOT NULL, 
	PRIMARY KEY (id)
);
CREATE INDEX ix_deals_stage_status ON deals (stage, status);
CREATE INDEX ix_deals_playbook ON deals (playbook_id, playbook_version);
CREATE INDEX ix_deals_owner ON deals (owner);
CREATE TABLE events (
	id INTEGER NOT NULL, 
	deal_id VARCHAR(128) NOT NULL, 
	seq INTEGER NOT NULL, 
	type VARCHAR(32) NOT NULL, 
	actor VARCHAR NOT NULL, 
	at DATETIME NOT NULL, 
	source VARCHAR, 
	payload JSON NOT NULL, 
	PRIMARY KEY (id), 
	CONSTRAINT uq_events_deal_seq UNIQUE (deal_id, seq)
);
CREATE INDEX ix_events_type_at ON events (type, at);
CREATE INDEX ix_events_at ON events (at);
CREATE TABLE item_states (
	deal_id VARCHAR(128) NOT NULL, 
	item_id VARCHAR(300) NOT NULL, 
	stage VARCHAR(64) NOT NULL, 
	actor VARCHAR NOT NULL, 
	at DATETIME NOT NULL, 
	evidence VARCHAR, 
	PRIMARY KEY (deal_id, item_id)
);
CREATE TABLE meta (
	"key" VARCHAR(64) NOT NULL, 
	value VARCHAR(256) NOT NULL, 
	PRIMARY KEY ("key")
);
CREATE TABLE playbooks (
	id VARCHAR(64) NOT NULL, 
	version VARCHAR(64) NOT NULL, 
	text VARCHAR NOT NULL, 
	PRIMARY KEY (id, version)
);
CREATE TABLE stakeholders (
	deal_id VARCHAR(128) NOT NULL, 
	stakeholder_id VARCHAR(128) NOT NULL, 
	name VARCHAR NOT NULL, 
	roles JSON NOT NULL, 
	stance VARCHAR(16) NOT NULL, 
	influence VARCHAR(16) NOT NULL, 
	PRIMARY KEY (deal_id, stakeholder_id)
);
INSERT INTO meta (key, value) VALUES ('schema_version', '1');
