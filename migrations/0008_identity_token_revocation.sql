-- Identity, issue 8: revoking access at once (docs/decisions/0009).
-- An access JWT lives 15 minutes and is checked without a round trip to its refresh token, so a password
-- reset or an account takeover needs a marker the check can read in the same indexed lookup of the user:
-- every access token issued (iat) before tokens_valid_after is refused. NULL: nothing was ever revoked.
ALTER TABLE users ADD COLUMN tokens_valid_after timestamptz(3);
