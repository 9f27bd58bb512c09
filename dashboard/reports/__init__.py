"""Supervisors' KPI reports: scope, period, sections (reads), charts and exports."""
