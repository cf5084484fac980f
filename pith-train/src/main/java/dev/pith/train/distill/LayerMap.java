package dev.pith.train.distill;

import dev.pith.core.PithException;

import java.util.ArrayList;
import java.util.List;

/**
 * Which student block's output is matched with which teacher block's (0-based, "S:T,S:T"). The
 * default spreads the student's blocks evenly over the teacher's depth: student block s of L_s
 * matches teacher block round((s + 1)·L_t / L_s) − 1, so the last student block meets the last
 * teacher block and each earlier one the teacher block at the same relative depth.
 */
public record LayerMap(int[] student, int[] teacher) {
    public int size() { return student.length; }

    public static LayerMap spread(int studentLayers, int teacherLayers) {
        int[] s = new int[studentLayers], t = new int[studentLayers];
        for (int i = 0; i < studentLayers; i++) {
            s[i] = i;
            t[i] = (int) Math.round((i + 1) * (double) teacherLayers / studentLayers) - 1;
            t[i] = Math.max(0, Math.min(teacherLayers - 1, t[i]));
        }
        return new LayerMap(s, t);
    }

    /** Reads "S:T[,S:T…]", checking every index against the two models' depths (one sentence on error). */
    public static LayerMap parse(String spec, int studentLayers, int teacherLayers) {
        if (spec == null || spec.isBlank()) return spread(studentLayers, teacherLayers);
        List<int[]> pairs = new ArrayList<>();
        java.util.Set<Integer> seen = new java.util.HashSet<>();
        for (String part : spec.split(",", -1)) {
            String[] st = part.trim().split(":", -1);
            int s, t;
            try {
                if (st.length != 2) throw new NumberFormatException();
                s = Integer.parseInt(st[0].trim());
                t = Integer.parseInt(st[1].trim());
            } catch (NumberFormatException e) {
                throw new PithException("--layer-map '" + spec + "' is malformed at '" + part.trim()
                        + "'; write student:teacher block pairs such as 3:5,1:2.");
            }
            if (s < 0 || s >= studentLayers)
                throw new PithException("--layer-map names student block " + s + ", but the student has blocks 0 to " + (studentLayers - 1) + ".");
            if (t < 0 || t >= teacherLayers)
                throw new PithException("--layer-map names teacher block " + t + ", but the teacher has blocks 0 to " + (teacherLayers - 1) + ".");
            if (!seen.add(s)) throw new PithException("--layer-map names student block " + s + " twice.");
            pairs.add(new int[] {s, t});
        }
        int[] s = new int[pairs.size()], t = new int[pairs.size()];
        for (int i = 0; i < s.length; i++) {
            s[i] = pairs.get(i)[0];
            t[i] = pairs.get(i)[1];
        }
        return new LayerMap(s, t);
    }

    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < student.length; i++) b.append(i == 0 ? "" : ",").append(student[i]).append(':').append(teacher[i]);
        return b.toString();
    }
}
