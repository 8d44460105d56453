"""Intake (线索受理、研判、派单): matter catalogue, places, channels, leads, routing, the unit's side, supervision."""
