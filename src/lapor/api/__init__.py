"""The producer: validates, stores photo bytes, appends commands, answers at once; reads for queries."""
