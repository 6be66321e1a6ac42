"""Session keys read below the app that writes them (the error pages of ``lawreq.views``)."""

# Whose session timed out (their user id), kept in the fresh anonymous session: a form they sent
# after the timeout may then be kept for them across the log-in (``web.views.kept_form``), and a form
# refused for its CSRF token is explained as a log-out (``lawreq.views.csrf_failure``).
SESSION_EXPIRED_USER_KEY = "lawreq_session_expired_user"
