"""Web Push (VAPID, RFC 8291/8292): keys, endpoint safety, sending. The notifier uses it."""
