"""DX推進計画書: the plan's sections, KPIs and roadmap (with its SVG Gantt chart), versions, comparison and
approval; one save (``plan_save``) and one approve."""
