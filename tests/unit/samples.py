"""A module with every item type, for the worksheet and table tests (loaded by tests/unit/conftest.py)."""

ALL_TYPES = """\
schema_version: 1
id: 42_sample
number: 42
title: Every item type
short_title: Sample
purpose: Used by the tests.
duration_minutes: 30
outcomes: [Checked widgets]
scales:
  four:
    source: kit
    levels:
      1: {label: One, descriptor: First}
      2: {label: Two, descriptor: Second}
      3: {label: Three, descriptor: Third}
      4: {label: Four, descriptor: Fourth}
charts:
  - {id: dims, title: Dimensions, kind: ratings, items: [depth]}
sections:
  - id: main
    title: Main
    items:
      - {id: depth, type: rating, prompt: Depth, scale: four, source: "003 § Scale"}
      - {id: notes, type: text, prompt: Notes, source: kit}
      - id: parts
        type: checklist
        prompt: Parts
        source: kit
        options: [{id: a, label: A}, {id: b, label: B}]
      - id: stage
        type: choice
        prompt: Stage
        source: kit
        options: [{id: s1, label: One, detail: first stage}, {id: s2, label: Two}]
      - id: order
        type: ranking
        prompt: Order
        source: kit
        options: [{id: x, label: X}, {id: y, label: Y}, {id: z, label: Z}]
      - id: inventory
        type: table
        prompt: Inventory
        source: kit
        columns:
          - {id: name, label: Name}
          - {id: when, label: When, type: date}
          - {id: kind, label: Kind, type: choice, options: [Gap, Redundancy]}
          - {id: ok, label: OK, type: yesno}
      - id: components
        type: table
        prompt: Components
        source: kit
        rows: [Meetings, Coaching]
        columns:
          - {id: component, label: Component}
          - {id: now, label: What we have}
"""
