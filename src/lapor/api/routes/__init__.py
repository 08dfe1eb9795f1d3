"""HTTP routes: thin — parse, authorise, call one function, shape the answer."""
