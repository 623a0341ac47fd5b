"""The form builder: administrators create, adapt, preview and publish form definitions."""
