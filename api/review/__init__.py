"""The moderators' workflow: review pages under /review (``pages``) and the JSON endpoints for
reviews and alerts (``rest``); ``auth`` holds the sessions both rely on."""
