"""A period's report assembled from the store: master workbook, Word documents, charts, public summary, PDF, feedback."""
