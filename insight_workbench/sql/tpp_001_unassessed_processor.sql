-- TPP-001: a processor never assessed, or assessed only after its contract started.
SELECT processor_id, name, service, contract_start, assessment_date
FROM processors
WHERE assessment_date IS NULL OR assessment_date > contract_start
ORDER BY processor_id;
