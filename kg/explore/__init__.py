"""Views for people: the interactive network page, the event map and the timeline pages.

Built on kg.ask and below.
"""
