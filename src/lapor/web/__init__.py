"""The web: server-rendered pages for students and staff, live through small JavaScript modules."""
