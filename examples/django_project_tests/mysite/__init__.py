"""A Django project that signs users in with Chattz, and its tests (docs/frameworks/django.md)."""
