package io.cohort.cli;

import io.cohort.adminapi.CurvesView;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Dimension;
import java.awt.Rectangle;
import java.io.IOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;
import org.apache.batik.dom.GenericDOMImplementation;
import org.apache.batik.svggen.SVGGraphics2D;

/**
 * The ROC and precision–recall charts of {@code cohort job report}, drawn by JFreeChart from the curve points
 * the coordinator computed from the pooled histograms (so the pictures and the API agree), written as PNG and,
 * through Apache Batik's SVG generator (Apache 2.0, where JFreeChart's own JFreeSVG is GPLv3), as SVG.
 */
final class ReportCharts {
  static final int WIDTH = 640;
  static final int HEIGHT = 560;

  private ReportCharts() {}

  /** The ROC curve with the chance diagonal; the title names the job, round and AUC. */
  static JFreeChart roc(String jobId, CurvesView c) {
    XYSeries curve = new XYSeries(String.format(Locale.ROOT, "round %d (AUC %.4f)", c.round(), orNaN(c.rocAuc())),
        false, true);
    c.roc().forEach(p -> curve.add(p.fpr(), p.tpr()));
    XYSeries chance = new XYSeries("chance", false, true);
    chance.add(0, 0);
    chance.add(1, 1);
    return chart("ROC curve of job " + jobId, "false positive rate", "true positive rate", curve, chance);
  }

  /** The precision–recall curve with the positive rate (a random classifier's precision) as its baseline. */
  static JFreeChart precisionRecall(String jobId, CurvesView c) {
    XYSeries curve = new XYSeries(String.format(Locale.ROOT, "round %d (average precision %.4f)", c.round(),
        orNaN(c.prAuc())), false, true);
    c.precisionRecall().forEach(p -> curve.add(p.recall(), p.precision()));
    double rate = (double) c.positives() / Math.max(1, c.positives() + c.negatives());
    XYSeries chance = new XYSeries(String.format(Locale.ROOT, "positive rate %.3f", rate), false, true);
    chance.add(0, rate);
    chance.add(1, rate);
    return chart("Precision-recall curve of job " + jobId, "recall", "precision", curve, chance);
  }

  private static JFreeChart chart(String title, String x, String y, XYSeries curve, XYSeries baseline) {
    XYSeriesCollection data = new XYSeriesCollection();
    data.addSeries(curve);
    data.addSeries(baseline);
    JFreeChart chart = org.jfree.chart.ChartFactory.createXYLineChart(title, x, y, data, PlotOrientation.VERTICAL,
        true, false, false);
    XYPlot plot = chart.getXYPlot();
    plot.setBackgroundPaint(Color.WHITE);
    plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
    plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
    for (NumberAxis axis : new NumberAxis[] {(NumberAxis) plot.getDomainAxis(), (NumberAxis) plot.getRangeAxis()}) {
      axis.setRange(0, 1.0);
    }
    XYLineAndShapeRenderer r = new XYLineAndShapeRenderer(true, false);
    r.setSeriesPaint(0, new Color(0x1f, 0x4e, 0x8c));
    r.setSeriesStroke(0, new BasicStroke(2.5f));
    r.setSeriesShapesVisible(0, true);
    r.setSeriesPaint(1, Color.GRAY);
    r.setSeriesStroke(1, new BasicStroke(1f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1f, new float[] {6f, 4f},
        0f));
    plot.setRenderer(r);
    chart.setBackgroundPaint(Color.WHITE);
    return chart;
  }

  static void writePng(JFreeChart chart, Path file) throws IOException {
    ChartUtils.saveChartAsPNG(file.toFile(), chart, WIDTH, HEIGHT);
  }

  static void writeSvg(JFreeChart chart, Path file) throws IOException {
    org.w3c.dom.Document doc = GenericDOMImplementation.getDOMImplementation()
        .createDocument("http://www.w3.org/2000/svg", "svg", null);
    SVGGraphics2D g = new SVGGraphics2D(doc);
    g.setSVGCanvasSize(new Dimension(WIDTH, HEIGHT));
    chart.draw(g, new Rectangle(0, 0, WIDTH, HEIGHT));
    try (Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      g.stream(out, true);
    }
  }

  private static double orNaN(Double d) {
    return d == null ? Double.NaN : d;
  }
}
