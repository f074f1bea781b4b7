-- Alerts re-posted while they fire to the channels that forget an alert they are not told of
-- again (Alertmanager: its endsAt): when each alert was last posted to each such channel, as
-- JSON (channel -> epoch seconds), so a restart neither re-posts early nor forgets.

ALTER TABLE alert_states ADD COLUMN reposted TEXT NOT NULL DEFAULT '{}';
