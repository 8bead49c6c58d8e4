"""A Django project with "Log in with Chattz" (chattz_oauth_async.integrations.django)."""
