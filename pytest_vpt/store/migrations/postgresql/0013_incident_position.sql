-- Where in the file or stream a video incident starts: seconds from the source's first frame
-- (its frames were kept already; a stream's frame rate can change, so the seconds are kept too).
ALTER TABLE video_incidents ADD COLUMN position DOUBLE PRECISION;
