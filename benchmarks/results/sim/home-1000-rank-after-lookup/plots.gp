set terminal pngcairo size 900,500
set datafile separator "\t"
set key autotitle columnhead
set grid
set output "delay-cdf.png"
set title "delay from a segment closing to verified at a viewer: 1000 viewers, home platform, 2000 kbit/s, churn 0.2/min"
set xlabel "delay, s"; set ylabel "share of segments at viewers"
plot "< awk -F'\t' 'NR > 1 && $8 == 1 { print $6 / 1000 }' deliveries.tsv | sort -g | awk '{ d[NR] = $1 } END { for (i = 1; i <= NR; i++) print d[i] \"\t\" i / NR }'" using 1:2 with lines lw 2 title "simulated"
set output "creator.png"
set title "creator's upload per segment: 1000 viewers, home platform, 2000 kbit/s, churn 0.2/min"
set xlabel "segment"; set ylabel "copies of the segment"
plot "creator.tsv" using 1:3 with linespoints lw 2 title "creator"
set output "upload.png"
set title "each viewer's upload against its uplink: 1000 viewers, home platform, 2000 kbit/s, churn 0.2/min"
set xlabel "uplink, Mbit/s"; set ylabel "uploaded, Mbit/s over its time in the room"
plot "viewers.tsv" using ($3 / 1000):($7 * 8 / 1e6 / ((($6 < 0) ? 84.1 : $6) - $5)) with points pt 7 ps 0.5 title "viewer"
