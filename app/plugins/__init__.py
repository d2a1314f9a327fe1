"""The facerouter plugin contract: the Plugin base class, its context and the plugin manager."""
