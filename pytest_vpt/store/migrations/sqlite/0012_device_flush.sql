-- How long the sampler that registered a device may hold a sample before writing it (vpt
-- monitor's --flush): a device is stale only once nothing sampled it for its interval plus
-- its timeout, and a sample not yet written is not a device nobody samples.
ALTER TABLE devices ADD COLUMN flush REAL NOT NULL DEFAULT 0;
