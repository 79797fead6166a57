"""The case-study library: judgments, charge-sheets, case studies and SOPs, searchable."""
