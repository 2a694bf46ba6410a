"""The daemons that wrap the mailcore engine: smtpd, imapd, webapi."""
