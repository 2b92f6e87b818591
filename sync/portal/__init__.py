"""What the terminals' app adds to the back office's pages of other apps: the dashboard's panel
(open conflicts, each terminal's last contact and pending uploads) and the terminals to filter
sales by. Named in settings (``POS_PORTAL_DASHBOARD_PANELS``, ``POS_PORTAL_TERMINAL_CHOICES``)
because the apps below ``sync`` cannot import it."""
