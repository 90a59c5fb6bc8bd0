module example.com/outbox

go 1.21
