# latency.gp - per-operation latency p50 and p99 by workload, one panel
# per concurrency: our nfsd, nfs-ganesha and the local disk, log scale.
# usage: gnuplot -e "datadir='D'; outfile='F.png'; concs='1x1 4x16'" \
#	latency.gp         (reads D/lat-<conc>.dat, written by bench.py;
#	optional ymin=0.1: where the log axis starts)

n = words(concs)
if (!exists("ymin")) ymin = 1	# the log axis starts here
set terminal pngcairo size 1400, 420 * n font "sans,10"
set output outfile
set datafile missing "-"
set style data histogram
set style histogram clustered gap 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set yrange [ymin:*]
set format y "10^{%L}"
set grid ytics
set ylabel "latency, microseconds (log)"
set key outside bottom center horizontal
set xtics nomirror
set multiplot layout n, 1 title "nfsbench: latency percentiles by workload (medians)"
do for [i = 1:n] {
	c = word(concs, i)
	set title sprintf("%s (connections x requests in flight)", c)
	plot sprintf("%s/lat-%s.dat", datadir, c) \
		   using 2:xtic(1) title "ours p50" lc rgb "#9ecae1", \
		'' using 3 title "ours p99" lc rgb "#1f77b4", \
		'' using 4 title "ganesha p50" lc rgb "#fdd0a2", \
		'' using 5 title "ganesha p99" lc rgb "#ff7f0e", \
		'' using 6 title "local p50" lc rgb "#d9d9d9", \
		'' using 7 title "local p99" lc rgb "#7f7f7f"
}
unset multiplot
