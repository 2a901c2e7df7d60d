#!/bin/sh
# 5 repetitions of each s3 mode; prints one line per run
cd /tmp/spike
for m in "false rtt" "true rtt" "txn rtt" "false nerAfterAppend"; do
  for i in 1 2 3 4 5; do nice -n 10 venv/bin/python s3_dup_anomaly.py $m | sed 's/ log=.* unflushed/ unflushed/'; done
done
