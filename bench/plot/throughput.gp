# throughput.gp - operations per second by workload, one panel per
# concurrency (connections x depth): our nfsd, nfs-ganesha, the
# local-disk ceiling and the transport floor, log scale.
# usage: gnuplot -e "datadir='D'; outfile='F.png'; concs='1x1 4x16'" \
#	throughput.gp      (reads D/tput-<conc>.dat, written by bench.py;
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
set ylabel "operations/s (log)"
set key outside bottom center horizontal
set xtics nomirror
set multiplot layout n, 1 title "nfsbench: throughput by workload (medians)"
do for [i = 1:n] {
	c = word(concs, i)
	set title sprintf("%s (connections x requests in flight)", c)
	plot sprintf("%s/tput-%s.dat", datadir, c) \
		   using 2:xtic(1) title "our nfsd" lc rgb "#1f77b4", \
		'' using 3 title "nfs-ganesha" lc rgb "#ff7f0e", \
		'' using 4 title "local disk (ceiling)" lc rgb "#7f7f7f", \
		'' using 5 title "responder (floor)" lc rgb "#2ca02c"
}
unset multiplot
