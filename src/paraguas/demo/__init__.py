"""``paraguas demo``: the umbrella story told end to end on real weather, in a fresh project.

:mod:`~paraguas.demo.weather` builds the data (Seattle, then Mumbai), :mod:`~paraguas.demo.story`
runs the daily cycles and gathers the timeline. Nothing here is needed to use paraguas; it
shows what paraguas does.
"""
