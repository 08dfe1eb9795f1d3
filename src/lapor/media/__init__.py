"""Photos: the upload store the API writes raw bytes to, and the checks both sides share."""
