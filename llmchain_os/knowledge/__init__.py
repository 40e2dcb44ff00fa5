"""What this machine says about itself: its programs, their manuals and options."""
